import CiblageSupport
import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Progress of a long command on stderr, when stderr is a terminal: one line, redrawn at most five
/// times a second, shown only once the command has run for `delay` (short commands print nothing),
/// and erased at the end. In a pipe or a file it is silent, so outputs are the same bytes either way.
final class TerminalProgress: Sendable {
    private struct State {
        var started = ContinuousClock.now
        var lastDraw: ContinuousClock.Instant?
        var phase = ""
        var phaseStarted = ContinuousClock.now
        var shown = false
    }
    private let state = Mutex(State())
    private let delay: Duration

    /// nil when stderr is not a terminal: commands then pass no handler at all.
    static func make(delay: Duration = .seconds(2)) -> TerminalProgress? {
        isatty(STDERR_FILENO) == 1 ? TerminalProgress(delay: delay) : nil
    }

    private init(delay: Duration) { self.delay = delay }

    /// The handler the workflows call.
    var handler: ProgressHandler { { [self] update in report(update) } }

    func report(_ u: ProgressUpdate) {
        let now = ContinuousClock.now
        let line: String? = state.withLock { s in
            if u.phase != s.phase { s.phase = u.phase; s.phaseStarted = now }
            guard now - s.started >= delay else { return nil }
            if let last = s.lastDraw, now - last < .milliseconds(200), u.done != u.total { return nil }
            s.lastDraw = now
            s.shown = true
            return Self.describe(u, elapsed: now - s.phaseStarted)
        }
        if let line { FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8)) }
    }

    /// Erases the line, if one was drawn.
    func finish() {
        if state.withLock({ $0.shown }) { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    /// "reading pbdf.csv: 45% (312 of 684 MB), 210 MB/s, 2 s left".
    static func describe(_ u: ProgressUpdate, elapsed: Duration) -> String {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        let unit = u.unit == .bytes ? "MB" : u.unit.rawValue
        func number(_ v: Double) -> String { String(format: "%.0f", u.unit == .bytes ? v / 1e6 : v) }
        var text = u.phase + ": "
        if let total = u.total, total > 0 {
            text += String(format: "%.0f%%", 100 * u.done / total) + " (\(number(u.done)) of \(number(total)) \(unit))"
        } else {
            text += "\(number(u.done)) \(unit)"
        }
        if seconds > 0.2, u.done > 0 {
            let rate = u.done / seconds
            text += ", \(number(rate)) \(unit)/s"
            if let total = u.total, total > u.done { text += String(format: ", %.0f s left", (total - u.done) / rate) }
        }
        return text
    }
}

/// Runs a workflow with a progress line on a terminal, erased when it ends (whether it succeeds or not).
func withProgress<T>(_ body: (ProgressHandler?) throws -> T) rethrows -> T {
    let progress = TerminalProgress.make()
    defer { progress?.finish() }
    return try body(progress?.handler)
}
