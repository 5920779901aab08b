import CollabLog
import CollabStorage
import Foundation
import JWTKit

/// A signed token saying who its bearer is (docs/permissions.md): an HS256 JSON Web
/// Token whose claims are the user (`sub`), the expiry (`exp`, required), the store it is
/// for (`aud`), and optionally the document or folder it is limited to (`doc`) or the
/// link share it stands for (`share`). The algorithm is pinned: a token that says
/// anything but HS256 (`none` included) is refused before its signature is looked at.
package struct AccessToken: Equatable, Sendable {
    package var user: String
    package var expiresAt: Int64
    package var audience: String
    package var document: String?
    package var share: String?

    package init(user: String, expiresAt: Int64, audience: String, document: String? = nil, share: String? = nil) {
        self.user = user
        self.expiresAt = expiresAt
        self.audience = audience
        self.document = document
        self.share = share
    }

    /// Why a token is refused.
    package struct Refusal: Error, Equatable, CustomStringConvertible {
        package var description: String
    }

    struct Claims: JWTPayload {
        var sub: SubjectClaim
        var exp: ExpirationClaim
        var aud: AudienceClaim
        var doc: String?
        var share: String?

        func verify(using algorithm: some JWTAlgorithm) async throws {
            try exp.verifyNotExpired()
        }
    }

    /// The token, signed with `key`.
    package func signed(with key: SigningKey) async throws -> String {
        let claims = Claims(
            sub: SubjectClaim(value: user), exp: ExpirationClaim(value: Date(timeIntervalSince1970: Double(expiresAt) / 1000)),
            aud: AudienceClaim(value: [audience]), doc: document, share: share)
        let keys = JWTKeyCollection()
        await keys.add(hmac: HMACKey(from: key.bytes), digestAlgorithm: .sha256)
        return try await keys.sign(claims)
    }

    /// The token's claims, when it is signed with `key`, unexpired, and for `audience`.
    package static func verify(_ token: String, key: SigningKey, audience: String) async throws(Refusal) -> AccessToken {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let header = base64URL(parts[0]),
            case .object(let fields)? = try? JSONParser.parse(header)
        else { throw Refusal(description: "not a token (three base64url parts, the first a JSON header)") }
        guard fields["alg"] == .string("HS256") else {
            throw Refusal(description: "its algorithm is \(fields["alg"].map { $0.compactText } ?? "missing"), not HS256: refused")
        }
        let claims: Claims
        do {
            let keys = JWTKeyCollection()
            await keys.add(hmac: HMACKey(from: key.bytes), digestAlgorithm: .sha256)
            claims = try await keys.verify(token, as: Claims.self)
        } catch let error as JWTError {
            switch error.errorType {
            case .signatureVerificationFailed: throw Refusal(description: "its signature does not match this key (tampered, or signed with another key)")
            case .claimVerificationFailure: throw Refusal(description: "it has expired (\(error.reason ?? "exp"))")
            default: throw Refusal(description: "it does not verify: \(error.reason ?? "\(error)")")
            }
        } catch {
            throw Refusal(description: "it does not verify: \(error)")
        }
        guard claims.aud.value.contains(audience) else {
            throw Refusal(description: "it is for \(claims.aud.value.joined(separator: ", ")), not this store (\(audience))")
        }
        return AccessToken(
            user: claims.sub.value, expiresAt: Int64(claims.exp.value.timeIntervalSince1970 * 1000), audience: audience,
            document: claims.doc, share: claims.share)
    }


    private static func base64URL(_ part: Substring) -> [UInt8]? {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text).map { [UInt8]($0) }
    }
}

/// The audience a store's tokens name: `collab:` and the store's id, made once at
/// random and kept in `DIR/store-id`, so a token for one store is refused by another.
package enum StoreIdentity {
    package static func audience(of store: any Store, creating: Bool) throws -> String {
        guard let id = try store.storeId(creating: creating) else {
            throw AccessToken.Refusal(description: "\(store.name) has no store id yet (issuing a token makes one)")
        }
        return "collab:" + id
    }
}
