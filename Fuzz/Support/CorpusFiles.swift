import Foundation

/// The saved inputs named on a harness's command line, when it runs without libFuzzer: each
/// argument a file, or a directory whose regular files are read in name order.
public enum CorpusFiles {
    /// A harness's `main` without libFuzzer: checks the inputs its arguments name, says how many,
    /// exits 2 on a path it cannot read. A failing check traps, as under the fuzzer.
    public static func run(harness: String, _ check: ([UInt8]) -> Void) {
        do {
            let checked = try forEach(in: Array(CommandLine.arguments.dropFirst()), check)
            print("\(harness): \(checked) inputs checked, every property held")
        } catch {
            FileHandle.standardError.write(Data("\(harness): \(error)\n".utf8))
            exit(2)
        }
    }

    /// Calls `check` on every input; returns how many there were. A path that cannot be read
    /// is an error, so a typo does not pass for an empty corpus.
    public static func forEach(in paths: [String], _ check: ([UInt8]) -> Void) throws -> Int {
        guard !paths.isEmpty else { throw UsageError() }
        var checked = 0
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                throw UnreadablePath(path: path)
            }
            let files = isDirectory.boolValue
                ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { "\(path)/\($0)" }
                : [path]
            for file in files {
                guard let data = FileManager.default.contents(atPath: file) else { throw UnreadablePath(path: file) }
                check(Array(data))
                checked += 1
            }
        }
        return checked
    }

    public struct UsageError: Error, CustomStringConvertible {
        public var description: String {
            "name the inputs to check: files or directories (Fuzz/corpus/…); `make fuzz` runs the fuzzer itself"
        }
    }

    public struct UnreadablePath: Error, CustomStringConvertible {
        let path: String
        public var description: String { "cannot read \(path): give an existing file or directory of saved inputs" }
    }
}

/// Numbers drawn from an input's own bytes (FNV-1a, then a 64-bit LCG), so a choice a harness
/// makes about an input, such as how to chunk it, is the same every time that input is run.
public struct InputDraws {
    private var state: UInt64

    public init(_ input: [UInt8]) {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in input { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        state = hash
    }

    public mutating func next(in range: ClosedRange<Int>) -> Int {
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return range.lowerBound + Int((state >> 33) % UInt64(range.count))
    }
}
