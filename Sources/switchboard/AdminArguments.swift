import SwitchboardClient
import SwitchboardCore

/// Parses `switchboard numbers | agents | assign | unassign` into an `AdminCommand`. Every value is
/// checked here, so a bad one is a usage error naming it (exit 64) before anything is sent.
enum AdminArguments {
    static let common = """
        Common options:
          --server URL     the router (default: $SWITCHBOARD_SERVER, else http://127.0.0.1:8080)
          --token TOKEN    the admin token or an account's token (default: $SWITCHBOARD_TOKEN, else
                           $SWITCHBOARD_ADMIN_TOKEN, else the file DIR/admin-token)
          --data DIR       the router's data directory, to read DIR/admin-token (default ./switchboard-data)
          --account A      the account to act on (default: default)
          --json           print the server's JSON instead of a table or sentence
          --timeout SECS   how long one request may take (default 10)
          --help           this text

        Exit status: 0 done, 1 the server refused (its code and message are printed) or could not be
        reached, 64 a bad argument.
        """

    static let numbersUsage = """
        Usage: switchboard numbers [--available] [--provider P] [--status active|inactive] [--assigned true|false] [options]

        Lists the account's phone numbers, sorted by number: number, provider, status, agent id, agent name.
          --available      only the pool: active numbers with no agent (what an agent editor offers)
          --provider P     only numbers of P: retell, vapi or bland
          --status S       only active or only inactive numbers (not with --available)
          --assigned B     true: only numbers with an agent; false: only numbers without (not with --available)

        """ + common

    static let agentsUsage = """
        Usage: switchboard agents [options]

        Lists the account's agents, sorted by id: id, name, provider, status, phone number.

        """ + common

    static let assignUsage = """
        Usage: switchboard assign NUMBER AGENT [options]

        Assigns NUMBER to agent AGENT in one atomic step. If another agent had NUMBER, it loses it; if
        AGENT had another number, that number returns to the pool. NUMBER may be written +14155550123,
        14155550123 or "+1 (415) 555-0123". The number and the agent must be of the same provider.

        """ + common

    static let unassignUsage = """
        Usage: switchboard unassign NUMBER [options]

        Takes NUMBER away from its agent; it returns to the pool of available numbers.

        """ + common

    static let syncUsage = """
        Usage: switchboard sync [--provider P] [--no-wait] [options]

        Syncs the account's numbers from every connected provider (or only P): new numbers appear
        active and unassigned, vanished ones become inactive and lose their agent, assignments of the
        others survive; a failed listing changes nothing. Waits for the result (at least 60 s, or
        --timeout) and prints it per provider; --no-wait prints the state right after starting.

        """ + common

    static let callsUsage = """
        Usage: switchboard calls AGENT TO [--from NUMBER] [options]

        Places an outbound call through the agent's provider. The caller ID is NUMBER if given (an
        active number of the agent's provider), else the agent's number, else the connection's
        default caller ID; without one the call is refused (no_caller_id).

        """ + common

    static func parse(_ name: String, _ arguments: [String]) throws -> Command {
        var options = AdminOptions()
        var selection = AdminCommand.NumbersSelection()
        var positional: [String] = []
        var syncProvider: String?
        var wait = true
        var from: String?
        var index = 0
        // `--flag value` and `--flag=value` both work.
        func value(_ flag: String, inline: String?) throws -> String {
            if let inline { return inline }
            // "--token --json" is a forgotten value, not a token named "--json".
            guard index + 1 < arguments.count, !arguments[index + 1].hasPrefix("--") else { throw UsageError(message: "\(flag) needs a value") }
            index += 1
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            var flag = argument
            var inline: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                flag = String(argument[..<equals])
                inline = String(argument[argument.index(after: equals)...])
            }
            switch flag {
            case "--help", "-h": return .help(usage(name))
            case "--server":
                let server = try value(flag, inline: inline)
                guard server.hasPrefix("http://") || server.hasPrefix("https://") else {
                    throw UsageError(message: "--server '\(server)' is not a URL: use http://HOST:PORT, e.g. http://127.0.0.1:8080")
                }
                options.server = server
            case "--token":
                let token = try value(flag, inline: inline)
                guard !token.isEmpty else { throw UsageError(message: "--token needs a token") }
                options.token = token
            case "--data":
                options.data = try value(flag, inline: inline)
                guard !options.data.isEmpty else { throw UsageError(message: "--data needs a directory") }
            case "--account":
                let account = try value(flag, inline: inline)
                guard Identifier.isValid(account) else {
                    throw UsageError(message: "--account '\(account)' is not an account id: use letters, digits, '_', '.' or '-'")
                }
                options.account = account
            case "--json":
                guard inline == nil else { throw UsageError(message: "--json takes no value") }
                options.json = true
            case "--timeout":
                let text = try value(flag, inline: inline)
                guard let seconds = Double(text), seconds > 0, seconds <= 3600 else {
                    throw UsageError(message: "--timeout '\(text)' must be a number of seconds above 0 and at most 3600")
                }
                options.timeout = seconds
            case "--available" where name == "numbers":
                guard inline == nil else { throw UsageError(message: "--available takes no value") }
                selection.available = true
            case "--provider" where name == "numbers":
                let provider = try value(flag, inline: inline)
                guard Provider(name: provider) != nil else { throw UsageError(message: "--provider '\(provider)' is not a provider: use \(Provider.accepted)") }
                selection.provider = provider
            case "--status" where name == "numbers":
                let status = try value(flag, inline: inline)
                guard status == "active" || status == "inactive" else { throw UsageError(message: "--status '\(status)' must be active or inactive") }
                selection.status = status
            case "--assigned" where name == "numbers":
                let assigned = try value(flag, inline: inline)
                guard assigned == "true" || assigned == "false" else { throw UsageError(message: "--assigned '\(assigned)' must be true or false") }
                selection.assigned = assigned == "true"
            case "--provider" where name == "sync":
                let provider = try value(flag, inline: inline)
                guard Provider(name: provider) != nil else { throw UsageError(message: "--provider '\(provider)' is not a provider: use \(Provider.accepted)") }
                syncProvider = provider
            case "--no-wait" where name == "sync":
                guard inline == nil else { throw UsageError(message: "--no-wait takes no value") }
                wait = false
            case "--from" where name == "calls":
                from = try number(try value(flag, inline: inline))
            default:
                // A lone "-" or a negative-looking value is not an option; anything else with "-" is.
                if argument.hasPrefix("-"), argument != "-" {
                    throw UsageError(message: "unknown option '\(argument)' for \(name)")
                }
                positional.append(argument)
            }
            index += 1
        }
        let action: AdminCommand.Action
        switch name {
        case "numbers":
            try expect(positional, count: 0, name)
            if selection.available, selection.status != nil || selection.assigned != nil {
                throw UsageError(message: "--available lists active, unassigned numbers: it cannot be combined with --status or --assigned")
            }
            action = .numbers(selection)
        case "agents":
            try expect(positional, count: 0, name)
            action = .agents
        case "assign":
            try expect(positional, count: 2, name)
            action = .assign(number: try number(positional[0]), agent: try agent(positional[1]))
        case "sync":
            try expect(positional, count: 0, name)
            action = .sync(provider: syncProvider, wait: wait)
        case "calls":
            try expect(positional, count: 2, name)
            action = .call(agent: try agent(positional[0]), to: try number(positional[1]), from: from)
        default:
            try expect(positional, count: 1, name)
            action = .unassign(number: try number(positional[0]))
        }
        return .admin(AdminCommand(action, options: options))
    }

    static func usage(_ name: String) -> String {
        switch name {
        case "numbers": numbersUsage
        case "agents": agentsUsage
        case "assign": assignUsage
        case "sync": syncUsage
        case "calls": callsUsage
        default: unassignUsage
        }
    }

    static func expect(_ positional: [String], count: Int, _ name: String) throws {
        guard positional.count != count else { return }
        if positional.count > count { throw UsageError(message: "unexpected argument '\(positional[count])' for \(name)") }
        let needs = ["assign": "a NUMBER and an AGENT", "unassign": "a NUMBER", "calls": "an AGENT and a number TO"][name] ?? "no arguments"
        throw UsageError(message: "\(name) needs \(needs); see 'switchboard \(name) --help'")
    }

    /// A number in any form SPEC §1 accepts, normalised to E.164.
    static func number(_ text: String) throws -> String {
        do { return try E164(text).description } catch { throw UsageError(message: "NUMBER '\(text)': \(error.description)") }
    }

    static func agent(_ text: String) throws -> String {
        guard Identifier.isValid(text) else {
            throw UsageError(message: "AGENT '\(text)' is not an agent id: use 1 to \(Identifier.maxLength) letters, digits, '_', '.' or '-', starting with a letter or digit")
        }
        return text
    }
}
