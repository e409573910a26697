import OpenCLRuntime

/// One way of computing a `Conv2D`'s products on the device, with the scratch it needs.
///
/// `Conv2D` owns the parameters, checks the shapes, splits a batch into chunks that fit its
/// scratch budget and remembers whether the scratch still holds the last training forward's
/// input; an algorithm only runs chunks, so adding one touches neither `Conv2D` nor the other
/// algorithms. One type per algorithm: `TiledGemmConvolution`, `PanelConvolution`,
/// `ImplicitConvolution`, `ChannelVectorConvolution`, `WinogradConvolution`.
protocol ConvolutionAlgorithm: AnyObject {
    /// The user-visible name of this algorithm.
    var kind: ConvAlgorithm { get }
    /// Which of its kernels run this layer, for `bench --layers`: the algorithm's name, and a
    /// variant where it has several.
    var kernels: String { get }
    /// The gemm.cl tiling its products use, for the algorithms built on it (nil for the others).
    var gemmTuning: GemmTuning? { get }
    /// Scratch floats one image of a chunk takes, so `Conv2D` can size chunks to a byte budget.
    var scratchFloatsPerImage: Int { get }
    /// The scratch buffers `scratch` holds, allocated by `reserve(chunk:)`.
    var scratch: ConvolutionScratch { get }

    /// The scratch buffers that chunks of up to `chunk` images need.
    func scratchRequests(chunk: Int) -> [BufferRequest]

    /// Allocates the scratch for chunks of up to `chunk` images (see the extension).
    func reserve(chunk: Int) throws

    /// output[chunk] = convolution(input[chunk], weight) + bias.
    func forward(_ input: DeviceBuffer<Float>, into output: DeviceBuffer<Float>, weight: Parameter, bias: Parameter?,
                 chunk: ConvolutionChunk) throws

    /// What a backward pass does once before its chunks: bias.gradient += the output gradient
    /// summed over the whole batch, and whatever the chunks share (`computesInputGradient`:
    /// whether the chunks will be asked for the input gradient).
    func beginBackward(outputGradient: DeviceBuffer<Float>, weight: Parameter, bias: Parameter?,
                       computesInputGradient: Bool, batch: Int) throws

    /// One chunk of a backward pass: weight.gradient += its part, and inputGradient[chunk] =
    /// the input gradient when asked for. `scratchHoldsInput`: the scratch still holds this
    /// chunk's unfolded (or padded) input from the forward pass, so it need not be redone.
    func backward(input: DeviceBuffer<Float>, outputGradient: DeviceBuffer<Float>, weight: Parameter,
                  inputGradient: DeviceBuffer<Float>?, chunk: ConvolutionChunk, scratchHoldsInput: Bool) throws
}

extension ConvolutionAlgorithm {
    var kernels: String { kind.rawValue }
    var gemmTuning: GemmTuning? { nil }

    /// Allocates `scratchRequests(chunk:)` unless chunks this large fit already, from the
    /// requests themselves, so the memory plan counts exactly what is allocated.
    func reserve(chunk: Int) throws {
        try scratch.reserve(scratchRequests(chunk: chunk), chunk: chunk)
    }
}
