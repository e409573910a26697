import ArgumentParser
import Distributed
import Foundation
import Training

/// Turns library errors into one clear line on standard error and a non-zero exit.
enum CommandErrors {
    /// - Parameter communicator: in a data-parallel run a failing rank prints its message and
    ///   aborts every rank (MPI_Abort), so that none waits forever in a collective.
    static func reporting<T>(communicator: Communicator? = nil, _ body: () throws -> T) throws -> T {
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
            if let communicator, communicator.size > 1 { communicator.abort(message: "error: \(error)", code: 1) }
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode.failure
        }
    }
}
