/// Sums values over the processes of a data-parallel run: what synchronised batch norm needs
/// of the communicator, without Layers depending on MPI.
public protocol CrossProcessSum: AnyObject {
    /// Every process gets the element-wise sum over all processes.
    func sum(_ values: inout [Float]) throws
}
