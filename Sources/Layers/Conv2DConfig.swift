/// Settings of a 2-D convolution (PyTorch's Conv2d with square windows).
public struct Conv2DConfig: Hashable, Sendable {
    public var filters: Int
    public var size: Int
    public var stride: Int
    public var padding: Int
    public var dilation: Int
    /// Channels and filters split into this many independent groups; groups = C is depthwise.
    public var groups: Int
    public var bias: Bool
    public var rounding: Rounding

    public init(filters: Int, size: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1, groups: Int = 1,
                bias: Bool = true, rounding: Rounding = .exact) {
        self.filters = filters
        self.size = size
        self.stride = stride
        self.padding = padding
        self.dilation = dilation
        self.groups = groups
        self.bias = bias
        self.rounding = rounding
    }
}
