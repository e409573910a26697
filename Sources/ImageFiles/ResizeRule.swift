/// How an image of another shape is brought to `data.image_size` (`data.resize`).
public enum ResizeRule: String, CaseIterable, Sendable {
    /// Scale until the image covers the size (the shorter side fits), then keep the centre:
    /// torchvision's `Resize(size)` + `CenterCrop(size)`. Nothing is distorted, edges are lost.
    case crop
    /// Scale each axis to the size on its own: nothing is lost, shapes are distorted.
    case stretch
}
