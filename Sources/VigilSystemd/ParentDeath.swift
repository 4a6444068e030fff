import CSystemd
import Glibc

/// Ties a child process's life to its parent's (Linux `PR_SET_PDEATHSIG`).
public enum ParentDeath {
    /// Makes the kernel send SIGKILL to this process when its parent dies; false if the parent
    /// is not `expectedParent` (it died before the request took effect) or the call failed.
    public static func killThisProcess(whenParentExits expectedParent: pid_t) -> Bool {
        guard vigil_kill_with_parent() == 0 else { return false }
        return getppid() == expectedParent
    }
}
