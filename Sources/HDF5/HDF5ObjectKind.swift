/// What a path in an HDF5 file names.
public enum HDF5ObjectKind: Equatable, Sendable {
    case group
    case dataset
    case other
}
