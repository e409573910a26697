// swift-tools-version:6.0
import PackageDescription

// One target per job: C libraries through system library targets, a thin Swift layer over
// OpenCL, the layers, the input pipeline, checkpoints, training, and the command-line tool.
let package = Package(
    name: "Conveyor",
    products: [
        .executable(name: "conveyor", targets: ["conveyor"]),
        // The readers of files from elsewhere, for the libFuzzer harnesses of Fuzz/ (scripts/fuzz).
        .library(name: "ConveyorReaders", targets: ["PipelineConfig", "InputData", "Checkpoints", "HDF5", "Plots", "Layers"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        // ONNX models and TensorBoard event files are protocol buffers (generated code in Sources/Interchange/Generated).
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        .systemLibrary(name: "COpenCL", pkgConfig: "OpenCL", providers: [.apt(["ocl-icd-opencl-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5", providers: [.apt(["libhdf5-dev"])]),
        .systemLibrary(name: "COpenBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CPNG", pkgConfig: "libpng", providers: [.apt(["libpng-dev"])]),
        .systemLibrary(name: "CTurboJPEG", pkgConfig: "libturbojpeg", providers: [.apt(["libturbojpeg0-dev"])]),
        // Plots: antialiased paths and DejaVu Sans text, written as PNG or SVG.
        .systemLibrary(name: "CCairo", pkgConfig: "cairo", providers: [.apt(["libcairo2-dev", "fonts-dejavu-core"])]),
        // Open MPI, loaded at run time by its shim (no link dependency; see Sources/CMPI/shim.h).
        .systemLibrary(name: "CMPI"),

        // Turns Kernels/*.cl into Swift string constants at build time, so that the binary
        // runs when copied alone to another machine.
        .executableTarget(name: "EmbedKernels"),
        .plugin(name: "EmbedKernelsPlugin", capability: .buildTool(), dependencies: ["EmbedKernels"]),
        .target(name: "ConveyorKernels", dependencies: ["Hashing"], plugins: ["EmbedKernelsPlugin"]),

        // The stable hash (FNV-1a) and the seeded generator (SplitMix64) that splits, caches,
        // augmentation and initialisation are functions of: one definition each.
        .target(name: "Hashing"),

        .target(name: "OpenCLRuntime", dependencies: ["COpenCL"]),
        // Every layer's OpenCL kernels, their hosts and CPU references (and the SGD update kernel).
        .target(name: "Layers", dependencies: ["OpenCLRuntime", "ConveyorKernels", "COpenBLAS"]),
        // JPEG and PNG files to RGB pixels and back, and the antialiased resize of imported images.
        .target(name: "ImageFiles", dependencies: ["CTurboJPEG", "CPNG"]),
        // Data: splits, loader, augmenter and the input stages that end in device slots; image
        // folders are decoded once into an HDF5 file that the stages read.
        .target(name: "InputData", dependencies: ["OpenCLRuntime", "ImageFiles", "HDF5", "Hashing"]),
        // Optimization: the learning rate from the pipeline file to the update kernel, momentum state.
        .target(name: "Optimization", dependencies: ["Layers", "OpenCLRuntime"]),
        // The pipeline file (YAML), decoded straight into the types of the stages above.
        .target(name: "PipelineConfig", dependencies: [
            "Layers", "InputData", "ImageFiles", "Optimization", .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "HDF5", dependencies: ["CHDF5"]),
        // Data-parallel runs: the ranks of mpirun behind the `Communicator` protocol (MPI is
        // initialised only when mpirun started the process).
        .target(name: "Distributed", dependencies: ["CMPI"]),
        // Whole files written through a temporary file, fsync and rename; a full disk named as such.
        .target(name: "FileOutput"),
        .target(name: "Checkpoints", dependencies: ["HDF5", "FileOutput"]),
        // PNG pictures of learned filters (`conveyor filters`).
        .target(name: "FilterImages", dependencies: ["CPNG", "Checkpoints"]),
        // Model: network + loss + the input normalisation it was trained with; built from a
        // pipeline or from a checkpoint alone.
        .target(name: "Model", dependencies: ["Layers", "OpenCLRuntime", "PipelineConfig", "Checkpoints", "InputData", "ImageFiles", "Hashing"]),
        // Files other tools open: ONNX models (`conveyor export`) and TensorBoard event files.
        .target(name: "Interchange", dependencies: [
            "Checkpoints", "PipelineConfig", "Layers", .product(name: "SwiftProtobuf", package: "swift-protobuf"),
        ]),
        // Curves of runs drawn through cairo, as PNG or SVG (`conveyor plot`, reports).
        .target(name: "Plots", dependencies: ["CCairo", "Checkpoints"]),
        // Training: joins Model, InputData and Optimization into runs, evaluation, plans and benchmarks.
        .target(name: "Training", dependencies: [
            "Model", "InputData", "Optimization", "Checkpoints", "HDF5", "PipelineConfig", "Layers", "OpenCLRuntime",
            "Interchange", "FilterImages", "Distributed", "ImageFiles", "FileOutput", "Hashing",
        ]),
        // `conveyor check`: every kernel variant of every registered layer kind, the losses and the
        // updates against their CPU references, with the parity tests' measure and tolerances.
        .target(name: "KernelCheck", dependencies: ["Layers", "OpenCLRuntime", "Model", "PipelineConfig", "Optimization"]),
        // One self-contained HTML page per report of runs (`conveyor report`): figures, tables, thumbnails.
        .target(name: "Reports", dependencies: ["Plots", "FilterImages", "Checkpoints", "Training"]),
        .executableTarget(name: "conveyor", dependencies: [
            "Training", "Model", "OpenCLRuntime", "InputData", "Checkpoints", "FilterImages", "Layers", "PipelineConfig",
            "Interchange", "Plots", "Distributed", "ImageFiles", "Reports", "FileOutput", "KernelCheck",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .testTarget(name: "HashingTests", dependencies: ["Hashing"]),
        .testTarget(name: "OpenCLRuntimeTests", dependencies: ["OpenCLRuntime", "ConveyorKernels"]),
        .testTarget(name: "LayersTests", dependencies: ["Layers", "OpenCLRuntime", "ConveyorKernels", "Hashing"]),
        .testTarget(name: "InputDataTests", dependencies: ["InputData", "OpenCLRuntime", "ImageFiles", "HDF5", "Hashing"]),
        .testTarget(name: "ImageFilesTests", dependencies: ["ImageFiles"]),
        .testTarget(name: "OptimizationTests", dependencies: ["Optimization", "Layers", "OpenCLRuntime", "PipelineConfig"]),
        .testTarget(name: "HDF5Tests", dependencies: ["HDF5"]),
        .testTarget(name: "CheckpointsTests", dependencies: ["Checkpoints", "HDF5"]),
        .testTarget(name: "FilterImagesTests", dependencies: ["FilterImages", "Checkpoints"]),
        .testTarget(name: "ModelTests", dependencies: ["Model", "Layers", "OpenCLRuntime", "PipelineConfig"]),
        .testTarget(name: "PipelineConfigTests", dependencies: ["PipelineConfig", "Layers", "InputData", "Optimization"]),
        .testTarget(name: "TrainingTests", dependencies: [
            "Training", "Model", "Layers", "InputData", "Optimization", "Checkpoints", "OpenCLRuntime", "PipelineConfig",
            "Distributed",
        ]),
        .testTarget(name: "InterchangeTests", dependencies: ["Interchange", "Checkpoints", "PipelineConfig", "Layers"]),
        .testTarget(name: "PlotsTests", dependencies: ["Plots", "FilterImages"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "Plots", "Training", "Checkpoints", "PipelineConfig"]),
        .testTarget(name: "CLITests", dependencies: ["conveyor", "Checkpoints", "HDF5", "Interchange", "FilterImages", "ImageFiles", "Hashing"]),
    ],
    swiftLanguageModes: [.v5]
)
