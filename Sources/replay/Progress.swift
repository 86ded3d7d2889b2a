import Foundation
import Synchronization
import Replay

/// A progress bar on stderr, only when stderr is a terminal: a pipe or a log file gets the
/// results and nothing else.
final class ProgressBar {
    private let total: UInt64
    private let label: String
    private let started = DispatchTime.now().uptimeNanoseconds
    private var shown = false

    private init(total: UInt64, label: String) {
        self.total = total
        self.label = label
    }

    /// A reporter for `total` records, or nil when stderr is not a terminal.
    static func make(_ label: String, total: @autoclosure () throws -> UInt64) rethrows -> ProgressBar? {
        guard isatty(2) != 0 else { return nil }
        return ProgressBar(total: try total(), label: label)
    }

    var report: (UInt64) -> Void { { [self] done in update(done) } }

    func update(_ done: UInt64) {
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let width = 30
        let filled = Int(fraction * Double(width))
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let bar = String(repeating: "#", count: filled) + String(repeating: " ", count: width - filled)
        FileHandle.standardError.write(Data(
            "\r\(label) [\(bar)] \(Int(fraction * 100))% \(done)/\(total) records, \(Int(rate)) records/s ".utf8))
        shown = true
    }

    /// Clears the bar's line.
    func finish() {
        guard shown else { return }
        FileHandle.standardError.write(Data(("\r" + String(repeating: " ", count: 100) + "\r").utf8))
    }
}

/// Writes to stdout through one buffer: dumps print millions of lines.
struct Output {
    private var buffer: [UInt8] = []

    mutating func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 16 { flush() }
    }

    mutating func write(_ text: String) { write(Array(text.utf8)) }

    mutating func flush() {
        guard !buffer.isEmpty else { return }
        buffer.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = Foundation.write(1, bytes.baseAddress! + offset, bytes.count - offset)  // non-empty: checked above
                // A closed pipe (`replay dump | head`) ends the output quietly, like any Unix filter.
                if written <= 0 { exit(0) }
                offset += written
            }
        }
        buffer.removeAll(keepingCapacity: true)
    }
}

func printJSON(_ json: JSON) {
    var output = Output()
    output.write(json.text + "\n")
    output.flush()
}

/// ", peak memory N MB": this process's resident peak so far (`ru_maxrss`), which counts the
/// pages of the memory-mapped log it read as well as its own.
func peakMemory() -> String {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return ", peak memory \(usage.ru_maxrss / 1024) MB"
}

/// Ctrl-C during a long run that can stop cleanly (audit): the first asks it to stop after
/// the chunk at hand; a second ends the process at once.
enum Interruption {
    private static let flag = Atomic<Bool>(false)

    static var requested: Bool { flag.load(ordering: .relaxed) }

    static func catchInterrupt() {
        signal(SIGINT) { _ in
            if Interruption.flag.exchange(true, ordering: .relaxed) { _exit(130) }
        }
    }
}
