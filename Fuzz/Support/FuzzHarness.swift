import Foundation

#if FUZZING
import CLibFuzzer
#endif

/// A harness's whole `main`. Built with -sanitize=fuzzer -DFUZZING (`make fuzz`), libFuzzer
/// drives `check` with the inputs it makes up and takes its own options (`-max_total_time=60`,
/// corpus directories); built plainly, `check` runs over the saved inputs the arguments name
/// (the corpus, a crash), with Swift's backtrace and the failed check's message.
public enum FuzzHarness {
    /// Where libFuzzer's C callback finds the check: it can capture nothing. Set once, before
    /// libFuzzer starts, and only read after.
    nonisolated(unsafe) private static var property: ([UInt8]) -> Void = { _ in }

    public static func main(name: String, _ check: @escaping ([UInt8]) -> Void) -> Never {
        #if FUZZING
        property = check
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, count in
            guard let data else { return 0 }
            FuzzHarness.property(Array(UnsafeBufferPointer(start: data, count: count)))
            return 0
        })
        #else
        CorpusFiles.run(harness: name, check)
        exit(0)
        #endif
    }
}
