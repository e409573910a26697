import PipelineConfig

// The PipelineConfig module holds a type of the same name, so `PipelineConfig.X` cannot name
// its other types from files that also import DataPipeline (which has types of the same names).
extension PipelineConfig {
    public typealias AugmentSettingsAlias = AugmentSettings
}
