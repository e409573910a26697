import Foundation
import XCTest

/// Opens a page in headless Chromium through scripts/check-report (no console message, the
/// figures' elements present, nothing loaded from outside the page) and keeps its screenshot
/// in the temporary folder. Skipped, saying so, where Chromium is not installed.
enum BrowserCheck {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("scripts/check-report")

    static func run(page: String, name: String, ids: [String]) throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("conveyor-report-pages")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let html = folder.appendingPathComponent("\(name).html")
        try page.write(to: html, atomically: true, encoding: .utf8)
        try check(html: html, screenshot: folder.appendingPathComponent("\(name).png"), ids: ids)
    }

    static func check(html: URL, screenshot: URL, ids: [String]) throws {
        let process = Process()
        process.executableURL = script
        process.arguments = [html.path, screenshot.path] + ids
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outText = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let errText = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 77 { throw XCTSkip("browser check of \(html.lastPathComponent) skipped: \(errText)") }
        XCTAssertEqual(process.terminationStatus, 0, "scripts/check-report \(html.path):\n\(outText)\(errText)")
    }
}
