// The PipelineConfig target: pipeline files decoded into typed values.
