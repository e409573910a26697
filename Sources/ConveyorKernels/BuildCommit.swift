/// The git commit this binary was built from, for `conveyor --version`.
///
/// `Plugins/EmbedKernelsPlugin` asks git for HEAD's short hash at build time (uncommitted changes
/// are not marked); `CONVEYOR_GIT_COMMIT=<hash>` in the build's environment replaces that for
/// builds outside a git checkout; "unknown" when neither is available.
public enum BuildCommit {
    public static var value: String { embeddedGitCommit }
}
