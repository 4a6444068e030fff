import CSystemd

/// Sockets passed by systemd socket activation (`LISTEN_FDS`/`LISTEN_PID`, starting at fd 3).
public enum SocketActivation {
    /// The file descriptors passed to this process, or none when it was not socket-activated.
    ///
    /// The `LISTEN_*` variables are removed from the environment so that child processes
    /// (hooks, retraining) do not believe the sockets are theirs.
    public static func listeningDescriptors() -> [Int32] {
        let count = sd_listen_fds(1)
        guard count > 0 else { return [] }
        return (0..<count).map { SD_LISTEN_FDS_START + $0 }
    }

    /// Whether `descriptor` is a listening Unix stream socket (optionally bound to `path`).
    public static func isListeningUnixSocket(_ descriptor: Int32, path: String? = nil) -> Bool {
        sd_is_socket_unix(descriptor, Int32(SOCK_STREAM.rawValue), 1, path, 0) > 0
    }
}
