import SwitchboardCrypto
import SwitchboardCore

/// Who a request speaks for (SPEC §3 auth).
enum Principal: Equatable {
    case admin
    case account(AccountID)
}

/// Checks `Authorization: Bearer TOKEN` against the admin token and the accounts' token hashes.
/// Account tokens are stored only as SHA-256 hashes; every comparison is constant-time.
struct Authenticator: Sendable {
    let adminTokenHash: String
    /// Token hash → account, refreshed when accounts are added (they are never removed and their
    /// tokens never change). Looking up by the SHA-256 of a random token reveals nothing useful
    /// through timing: an attacker cannot choose hashes.
    private let tokens = Locked<(count: Int, accounts: [String: AccountID])>((-1, [:]))

    init(adminToken: String) {
        adminTokenHash = Crypto.sha256Hex(adminToken.utf8)
    }

    /// Nil when there is no token or it matches nothing (401).
    func principal(authorization: String?, directory: Directory) -> Principal? {
        guard let authorization, authorization.utf8.count > 7 else { return nil }
        let prefix = authorization.prefix(7)
        guard prefix.lowercased() == "bearer " else { return nil }
        let token = authorization.dropFirst(7).trimmingSpaces
        guard !token.isEmpty, token.utf8.count <= 256 else { return nil }
        let hash = Crypto.sha256Hex(token.utf8)
        if Crypto.constantTimeEqual(hash.utf8, adminTokenHash.utf8) { return .admin }
        let count = directory.accountCount
        return tokens.withLock { tokens in
            if tokens.count != count {
                tokens.accounts = [:]
                for account in directory.accounts() {
                    if let stored = account.tokenSHA256 { tokens.accounts[stored] = account.id }
                }
                tokens.count = count
            }
            return tokens.accounts[hash].map(Principal.account)
        }
    }

    /// Whether `principal` may act on `account`: the admin on every account, an account token only
    /// on its own (403 otherwise, whether or not the other account exists).
    static func authorize(_ principal: Principal, account: AccountID) throws(APIError) {
        switch principal {
        case .admin: return
        case .account(let own): if own != account { throw APIError.forbidden }
        }
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var result = self
        while result.first == " " || result.first == "\t" { result = result.dropFirst() }
        while result.last == " " || result.last == "\t" { result = result.dropLast() }
        return result
    }
}
