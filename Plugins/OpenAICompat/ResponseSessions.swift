import Glibc
import Synchronization

/// `previous_response_id` → session key (http.md §4.5 "Session"): in memory for 30 minutes,
/// at most 500 entries, lost on restart. A lookup matches only for the same auth subject,
/// agent and requested session key, so one caller cannot continue another's session. Shared
/// by every instance of the image (a re-init keeps conversations going). Thread-safe.
enum ResponseSessions {
    struct Owner: Equatable {
        let subject: String
        let agentId: String
        let requestedKey: String
    }

    private struct Entry {
        let owner: Owner
        let sessionKey: String
        let expires: Int
    }

    static let ttlSeconds = 30 * 60
    static let capacity = 500
    private static let entries = Mutex<[String: Entry]>([:])

    static func remember(responseId: String, sessionKey: String, owner: Owner) {
        let now = RequestIds.nowSeconds()
        entries.withLock { map in
            map = map.filter { $0.value.expires > now }
            if map.count >= capacity, let oldest = map.min(by: { $0.value.expires < $1.value.expires }) {
                map.removeValue(forKey: oldest.key)
            }
            map[responseId] = Entry(owner: owner, sessionKey: sessionKey, expires: now + ttlSeconds)
        }
    }

    /// The session of `responseId` when `owner` matches and it has not expired.
    static func sessionKey(responseId: String, owner: Owner) -> String? {
        let now = RequestIds.nowSeconds()
        return entries.withLock { map in
            guard let entry = map[responseId], entry.expires > now, entry.owner == owner else { return nil }
            return entry.sessionKey
        }
    }
}
