import CollabAccess
import Hummingbird

/// Checks the tokens clients present: signed with the server's key, for this store, not
/// expired. A user's token or a link share's: what either may do is the access rules'
/// business (`AccessPolicy.decide` for a `TokenHolder`).
struct TokenGate: Sendable {
    let key: SigningKey
    let audience: String

    struct Refusal: Error, CustomStringConvertible {
        let description: String
    }

    func verify(_ token: String) async throws -> AccessToken {
        let claims: AccessToken
        do {
            claims = try await AccessToken.verify(token, key: key, audience: audience)
        } catch {
            throw Refusal(description: "\(error)")
        }
        return claims
    }

    /// The token a request carries: `Authorization: Bearer …` or `?token=…`.
    static func token(in request: Request) -> String? {
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") { return String(header.dropFirst(7)) }
        return request.uri.queryParameters["token"].map(String.init)
    }
}
