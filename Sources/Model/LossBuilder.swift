import Layers
import OpenCLRuntime
import PipelineConfig

/// The loss of a pipeline's `loss` section.
public enum LossBuilder {
    public static func build(settings: LossSettings, context: ComputeContext, classes: Int) throws -> Loss {
        switch settings.type {
        case .softmax:
            return try SoftmaxCrossEntropy(context: context, classes: classes, labelSmoothing: Float(settings.labelSmoothing))
        case .svm:
            return try MulticlassSVM(context: context, classes: classes, margin: Float(settings.margin))
        }
    }
}
