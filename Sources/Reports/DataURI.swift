import Foundation

/// Bytes inlined into the page as a `data:` URI, so the report needs no file beside it.
enum DataURI {
    static func png(_ bytes: [UInt8]) -> String {
        "data:image/png;base64," + Data(bytes).base64EncodedString()
    }
}
