import CSystemd
import Foundation

/// Descriptors that are close-on-exec from the moment they exist. Set afterwards, FD_CLOEXEC
/// leaves a moment in which a child spawned by another thread inherits the descriptor, and a
/// pipe whose write end a stray child holds never shows its reader the end of its input.
public enum CloseOnExec {
    /// A new pipe, both ends close-on-exec (and non-blocking when asked); nil, with errno set, when the system refuses.
    public static func pipe(nonBlocking: Bool = false) -> (read: Int32, write: Int32)? {
        var ends: [Int32] = [-1, -1]
        guard pipe2(&ends, O_CLOEXEC | (nonBlocking ? O_NONBLOCK : 0)) == 0 else { return nil }
        return (ends[0], ends[1])
    }

    /// The next connection waiting on `listener`, close-on-exec and non-blocking; -1, with errno set, when there is none.
    public static func acceptNonBlocking(_ listener: Int32) -> Int32 {
        accept4(listener, nil, nil, Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue))
    }
}
