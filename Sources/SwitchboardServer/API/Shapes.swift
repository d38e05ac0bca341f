import SwitchboardCore

/// The JSON shapes of SPEC §3, field order as documented; absent values are null.
enum Shapes {
    static func writeNumber(_ number: PhoneNumber, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("number", number.number.description)
        writer.member("provider", number.provider.name)
        writer.member("provider_number_id", number.providerNumberID)
        writer.member("status", number.status.name)
        writer.member("agent_id", number.agentID?.value)
        writer.member("agent_name", number.agentName)
        writer.member("last_synced_at", number.lastSyncedAt?.rfc3339)
        writer.endObject()
    }

    static func number(_ number: PhoneNumber) -> [UInt8] {
        var writer = JSONWriter()
        writeNumber(number, into: &writer)
        return writer.bytes
    }

    static func numbers(_ page: Page<PhoneNumber>) -> [UInt8] {
        var writer = JSONWriter(capacity: 64 + page.items.count * 200)
        writer.beginObject()
        writer.key("numbers")
        writer.beginArray()
        for number in page.items { writeNumber(number, into: &writer) }
        writer.endArray()
        writer.member("next_cursor", page.nextCursor)
        writer.endObject()
        return writer.bytes
    }

    static func writeAgent(_ agent: Agent, into writer: inout JSONWriter) {
        writer.beginObject()
        writer.member("id", agent.spec.id.value)
        writer.member("name", agent.spec.name)
        writer.member("provider", agent.spec.provider.name)
        writer.member("provider_agent_id", agent.spec.providerAgentID)
        writer.member("status", agent.spec.status.name)
        writer.member("phone_number", agent.phoneNumber?.description)
        writer.endObject()
    }

    static func agent(_ agent: Agent) -> [UInt8] {
        var writer = JSONWriter()
        writeAgent(agent, into: &writer)
        return writer.bytes
    }

    static func agents(_ page: Page<Agent>) -> [UInt8] {
        var writer = JSONWriter(capacity: 64 + page.items.count * 160)
        writer.beginObject()
        writer.key("agents")
        writer.beginArray()
        for agent in page.items { writeAgent(agent, into: &writer) }
        writer.endArray()
        writer.member("next_cursor", page.nextCursor)
        writer.endObject()
        return writer.bytes
    }

    static func assignment(_ result: Assignment) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("number")
        writeNumber(result.number, into: &writer)
        writer.member("previous_agent_id", result.previousAgentID?.value)
        writer.member("released_number", result.releasedNumber?.description)
        writer.endObject()
        return writer.bytes
    }

    static func unassignment(_ result: Unassignment) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("number")
        writeNumber(result.number, into: &writer)
        writer.member("previous_agent_id", result.previousAgentID?.value)
        writer.endObject()
        return writer.bytes
    }

    /// A provider connection; secrets masked (SPEC §1: API keys never appear in responses).
    static func connection(_ connection: ProviderConnection) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.member("account", connection.account.value)
        writer.member("provider", connection.provider.name)
        writer.member("api_key", connection.maskedAPIKey)
        writer.member("webhook_secret", connection.webhookSecret.map { _ in "••••" })
        writer.member("base_url", connection.baseURL)
        writer.member("default_caller_id", connection.defaultCallerID?.description)
        writer.endObject()
        return writer.bytes
    }

    /// Routing decisions, newest first (SPEC §3 `event` shape).
    static func events(_ events: [RoutingEvent], next: String?) -> [UInt8] {
        var writer = JSONWriter(capacity: 64 + events.count * 180)
        writer.beginObject()
        writer.key("events")
        writer.beginArray()
        for event in events {
            writer.beginObject()
            writer.member("at", Timestamp(milliseconds: event.at).rfc3339Milliseconds)
            writer.member("direction", event.direction.name)
            writer.member("provider", event.provider.name)
            writer.member("number", event.number?.description)
            writer.member("agent_id", event.agentID?.value)
            writer.member("outcome", event.routed ? "routed" : "refused")
            writer.member("reason", event.reason)
            writer.member("micros", Int(event.micros))
            writer.endObject()
        }
        writer.endArray()
        writer.member("next_cursor", next)
        writer.endObject()
        return writer.bytes
    }

    /// Sync states per provider (SPEC §3 `sync` shape, plus `skipped` and `conflicts`).
    static func sync(_ statuses: [SyncCoordinator.Status]) -> [UInt8] {
        var writer = JSONWriter()
        writer.beginObject()
        writer.key("providers")
        writer.beginArray()
        for status in statuses {
            writer.beginObject()
            writer.member("provider", status.provider.name)
            writer.member("running", status.running)
            writer.member("last_started_at", status.lastStartedAt?.rfc3339)
            writer.member("last_finished_at", status.lastFinishedAt?.rfc3339)
            writer.member("result", status.ok.map { $0 ? "ok" : "error" })
            writer.member("error", status.error)
            writer.member("added", status.added)
            writer.member("updated", status.updated)
            writer.member("deactivated", status.deactivated)
            writer.member("skipped", status.skipped)
            writer.member("conflicts", status.conflicts)
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
        return writer.bytes
    }
}
