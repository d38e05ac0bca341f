import SwitchboardCore

/// Field reads for provider API answers, shared by the adapters: each wrong shape becomes a
/// `malformedAnswer` failure that names the field.
enum AnswerFields {
    /// `value.name`, nil when absent or null.
    static func member(
        _ value: JSONValue, _ name: StaticString, _ connection: ProviderConnection, _ operation: ProviderOperation = .listNumbers
    ) throws(ProviderFailure) -> JSONValue? {
        let found: JSONValue?
        do { found = try value.member(name) } catch { throw ProviderAnswer.malformed(connection, operation, error.description) }
        guard let found, !found.isNull else { return nil }
        return found
    }

    /// The numbers of a listing array. Each entry must be an object; its `numberField` must be
    /// written in E.164, and an entry whose number is missing or not E.164 is skipped (counted,
    /// reported). `idField` names the provider's id for the number; nil means the id is the
    /// number itself (Retell, Bland).
    static func entries(
        _ array: JSONValue, _ connection: ProviderConnection, numberField: StaticString, idField: StaticString?
    ) throws(ProviderFailure) -> NumberPage {
        var page = NumberPage(numbers: [])
        for (position, entry) in array.elements.enumerated() {
            guard entry.kind == .object else {
                throw ProviderAnswer.malformed(connection, .listNumbers, "entry \(position) of the listing is not an object")
            }
            var id: String?
            if let idField {
                guard let value = try member(entry, idField, connection), let text = value.string, ProviderEndpoint.isProviderID(text) else {
                    throw ProviderAnswer.malformed(connection, .listNumbers, "entry \(position) has no valid \"\(idField)\" (1 to 256 visible ASCII characters)")
                }
                id = text
            }
            guard let value = try member(entry, numberField, connection) else {
                page.skipped.append(SkippedNumber(listed: nil, providerNumberID: id, reason: "it has no \(numberField)"))
                continue
            }
            guard let text = value.string else {
                throw ProviderAnswer.malformed(connection, .listNumbers, "entry \(position)'s \"\(numberField)\" is not a string")
            }
            // Strict here, unlike webhooks: the provider APIs list E.164, so anything else (a
            // national "4155550123" would read as country code 4) is ambiguous and skipped.
            do {
                let number = try E164.parse(utf8: text.utf8)
                guard number.isWritten(as: text) else {
                    page.skipped.append(SkippedNumber(listed: text, providerNumberID: id, reason: "it is not written in E.164 form (+ and digits only)"))
                    continue
                }
                page.numbers.append(ListedNumber(number: number, providerNumberID: id ?? number.description))
            } catch {
                page.skipped.append(SkippedNumber(listed: text, providerNumberID: id, reason: error.description))
            }
        }
        return page
    }

    /// A pagination cursor: nil when absent or null (the last page); a non-empty string of at most
    /// 1024 characters otherwise.
    static func cursor(_ root: JSONValue, _ name: StaticString, _ connection: ProviderConnection) throws(ProviderFailure) -> String? {
        guard let value = try member(root, name, connection) else { return nil }
        guard let text = value.string, !text.isEmpty, text.utf8.count <= 1024 else {
            throw ProviderAnswer.malformed(connection, .listNumbers, "\"\(name)\" must be a non-empty string or absent")
        }
        return text
    }

    /// A created call's id at `name`: 1 to 256 visible ASCII characters.
    static func callID(_ root: JSONValue, _ name: StaticString, _ connection: ProviderConnection) throws(ProviderFailure) -> String {
        guard let value = try member(root, name, connection, .createCall), let text = value.string, ProviderEndpoint.isProviderID(text) else {
            throw ProviderAnswer.malformed(connection, .createCall, "expected \"\(name)\" with the call's id")
        }
        return text
    }
}
