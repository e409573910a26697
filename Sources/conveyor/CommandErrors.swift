import ArgumentParser
import Foundation
import Training

/// Turns library errors into one clear line on standard error and a non-zero exit.
enum CommandErrors {
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ExitCode {
            throw error
        } catch let error as CleanExit {
            throw error
        } catch {
            // A signal before training can make a step under way fail (a kernel build cut short):
            // the stop is the news, not that failure.
            if let signal = StopRequest.signal, !StopRequest.hasTrainingStarted { StopRequest.exitBeforeTraining(signal) }
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
