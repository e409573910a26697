import Layers
import Training

/// The kernel variants a network runs, one line per layer kind, as `train --verbose` prints them
/// (the names `conveyor check` and `bench --layers` use).
enum KernelChoiceLines {
    /// "  conv2d          cpu-implicit: conv1 conv2 conv3", then the loss.
    static func lines(layers: [Layer], loss: Loss) -> [String] {
        var families: [String] = []
        var variants: [String: [(name: String, layers: [String])]] = [:]
        for layer in layers.flatMap(\.selfAndSublayers) {
            let variant = KernelVariant.of(layer)
            if variants[variant.family] == nil { families.append(variant.family) }
            var list = variants[variant.family, default: []]
            if let index = list.firstIndex(where: { $0.name == variant.name }) {
                list[index].layers.append(layer.name)
            } else {
                list.append((variant.name, [layer.name]))
            }
            variants[variant.family] = list
        }
        let width = (families + ["loss"]).map(\.count).max() ?? 0
        func pad(_ text: String) -> String { text + String(repeating: " ", count: width - text.count) }
        let lines = families.map { family in
            "  " + pad(family) + "  " + variants[family, default: []].map { entry in
                (entry.name.isEmpty ? "" : entry.name + ": ") + entry.layers.joined(separator: " ")
            }.joined(separator: "; ")
        }
        return ["kernels (as `conveyor check` names them):"] + lines + ["  " + pad("loss") + "  " + KernelVariant.of(loss).name]
    }
}
