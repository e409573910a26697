import CHDF5
import Foundation

/// Process-wide HDF5 set-up and the one place every C call's status is checked.
///
/// The system HDF5 is built without thread safety, so every call into it holds `lock`
/// (recursive: a public method may call another). HDF5's automatic error printing is turned off
/// once; failures are read from its error stack and turned into `HDF5Error`s instead.
enum HDF5Library {
    static let lock = NSRecursiveLock()

    private static let initialized: Bool = {
        H5open()
        H5Eset_auto2(conveyor_h5e_default(), nil, nil)
        return true
    }()

    /// Runs `body` holding the library lock, after making sure the library is set up.
    static func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        _ = initialized
        return try body()
    }

    /// Throws an `HDF5Error` when `status` is negative (HDF5's convention for failure).
    @discardableResult
    static func check<T: BinaryInteger>(_ status: T, _ call: String, file: String, object: String) throws -> T {
        if status < 0 {
            throw HDF5Error(call: call, file: file, object: object, message: innermostMessage())
        }
        return status
    }

    /// The most specific message on HDF5's error stack (where the failure was first detected),
    /// then clears the stack.
    static func innermostMessage() -> String {
        final class Box { var messages: [String] = [] }
        let box = Box()
        let stack = conveyor_h5e_default()
        withExtendedLifetime(box) {
            let pointer = Unmanaged.passUnretained(box).toOpaque()
            H5Ewalk2(stack, H5E_WALK_UPWARD, { _, description, clientData in
                guard let description, let clientData else { return 0 }
                let box = Unmanaged<Box>.fromOpaque(clientData).takeUnretainedValue()
                if let text = description.pointee.desc {
                    box.messages.append(String(cString: text))
                }
                return 0
            }, pointer)
        }
        H5Eclear2(stack)
        return box.messages.first ?? ""
    }
}
