import CollabAccess
import Hummingbird

/// Checks the tokens clients present: signed with the server's key, for this store,
/// not expired, and a user's (link-share tokens are not taken by the server yet).
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
        guard claims.share == nil else { throw Refusal(description: "link-share tokens are not accepted by the server yet") }
        return claims
    }

    /// The token a request carries: `Authorization: Bearer …` or `?token=…`.
    static func token(in request: Request) -> String? {
        if let header = request.headers[.authorization], header.hasPrefix("Bearer ") { return String(header.dropFirst(7)) }
        return request.uri.queryParameters["token"].map(String.init)
    }
}
