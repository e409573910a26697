import Layers
import OpenCLRuntime

// TEMPORARY until the Layers contract lands: scratch as one request.
extension Layer {
    func scratchRequests(batch: Int) -> [BufferRequest] {
        let bytes = scratchBytes(batch: batch)
        return bytes == 0 ? [] : [BufferRequest(UInt8.self, count: bytes, label: "\(name).scratch")]
    }
}
