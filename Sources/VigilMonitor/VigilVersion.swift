/// Vigil's version, reported by `--version`, in the journal and in the state database.
public enum VigilVersion {
    public static let current = "0.1.0"
}
