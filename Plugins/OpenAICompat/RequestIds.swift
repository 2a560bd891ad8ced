import Glibc

/// Timestamps the responses carry (their ids are `PluginRandom.uuid()`s: `chatcmpl_<uuid>`,
/// `resp_<uuid>`, `msg_<uuid>`). Stateless; any thread.
enum RequestIds {
    /// Seconds since the Unix epoch.
    static func nowSeconds() -> Int {
        Int(time(nil))
    }
}
