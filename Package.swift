// swift-tools-version:6.0
import PackageDescription

// One target per job: C libraries through system library targets, a thin Swift layer over
// OpenCL, the layers, the input pipeline, HDF5 files, checkpoints, filter pictures, training,
// and the command-line tool.
let package = Package(
    name: "Conveyor",
    products: [
        .executable(name: "conveyor", targets: ["conveyor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    ],
    targets: [
        .systemLibrary(name: "COpenCL", pkgConfig: "OpenCL", providers: [.apt(["ocl-icd-opencl-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),

        // Turns Kernels/*.cl into Swift string constants at build time, so that the binary
        // runs when copied alone to another machine.
        .executableTarget(name: "EmbedKernels"),
        .plugin(name: "EmbedKernelsPlugin", capability: .buildTool(), dependencies: ["EmbedKernels"]),
        .target(name: "ConveyorKernels", plugins: ["EmbedKernelsPlugin"]),

        .target(name: "OpenCLRuntime", dependencies: ["COpenCL"]),
        .target(name: "Layers", dependencies: ["OpenCLRuntime", "ConveyorKernels", "COpenBLAS"]),
        .target(name: "DataPipeline"),
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        .target(name: "Checkpoints", dependencies: ["HDF5"]),
        .target(name: "FilterImages", dependencies: ["CPNG", "Checkpoints"]),
        .target(name: "PipelineConfig", dependencies: [.product(name: "Yams", package: "Yams")]),
        .target(name: "Training", dependencies: [
            "Layers", "DataPipeline", "Checkpoints", "HDF5", "OpenCLRuntime", "PipelineConfig", "ConveyorKernels",
        ]),
        .executableTarget(name: "conveyor", dependencies: [
            "Training", "OpenCLRuntime", "DataPipeline", "Checkpoints", "FilterImages", "Layers", "PipelineConfig",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "OpenCLRuntimeTests", dependencies: ["OpenCLRuntime", "ConveyorKernels"]),
        .testTarget(name: "LayersTests", dependencies: ["Layers", "OpenCLRuntime"]),
        .testTarget(name: "DataPipelineTests", dependencies: ["DataPipeline"]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5"]),
        .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints", "HDF5"]),
        .testTarget(name: "FilterImagesTests", dependencies: ["FilterImages", "Checkpoints"]),
        .testTarget(name: "PipelineConfigTests", dependencies: ["PipelineConfig"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "Layers", "DataPipeline", "Checkpoints", "OpenCLRuntime"]),
        .testTarget(name: "CLITests", dependencies: ["conveyor"]),
    ],
    swiftLanguageModes: [.v5]
)
