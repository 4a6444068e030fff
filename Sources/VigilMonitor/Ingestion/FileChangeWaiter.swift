import Foundation

/// Puts the ingestion thread to sleep until a watched directory changes (inotify), a timeout
/// passes (the 250 ms polling fallback, for filesystems without inotify), or `wake()` is called.
final class FileChangeWaiter: @unchecked Sendable {
    // Invariant: `watches` is only touched by the ingestion thread; `wakePipe` is written by any thread.
    private let inotify: Int32
    private let wakePipe = WakePipe()
    private var watches: [String: Int32] = [:]

    init() {
        inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
    }

    deinit {
        if inotify >= 0 { close(inotify) }
        wakePipe.close()
    }

    /// Watches the folders holding `paths`; folders that do not exist yet are tried again on the next call.
    func watch(foldersOf paths: [String]) {
        guard inotify >= 0 else { return }
        let folders = Set(paths.map { path -> String in
            let folder = (path as NSString).deletingLastPathComponent
            return folder.isEmpty ? "." : folder
        })
        for folder in folders where watches[folder] == nil {
            let mask = UInt32(IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CLOSE_WRITE | IN_ATTRIB)
            let descriptor = inotify_add_watch(inotify, folder, mask)
            if descriptor >= 0 { watches[folder] = descriptor }
        }
    }

    /// Sleeps until a change, `wake()`, or `timeout`.
    func wait(timeout: Duration) {
        var descriptors = [pollfd(fd: wakePipe.readEnd, events: Int16(POLLIN), revents: 0)]
        if inotify >= 0 { descriptors.append(pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)) }
        let milliseconds = max(0, Int32(timeout.components.seconds * 1_000 + timeout.components.attoseconds / 1_000_000_000_000_000))
        _ = poll(&descriptors, nfds_t(descriptors.count), milliseconds)
        wakePipe.drain()
        if inotify >= 0 { drain(inotify) }
    }

    /// Ends a `wait` early; safe from any thread.
    func wake() {
        wakePipe.wake()
    }

    private func drain(_ descriptor: Int32) {
        guard descriptor >= 0 else { return }
        var buffer = [UInt8](repeating: 0, count: 4_096)
        while read(descriptor, &buffer, buffer.count) > 0 {}
    }
}
