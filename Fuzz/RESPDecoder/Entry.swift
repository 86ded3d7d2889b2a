import FuzzSupport

#if FUZZING
import CLibFuzzer
import Foundation
#endif

/// Built with -sanitize=fuzzer -DFUZZING (`make fuzz`), libFuzzer drives the check with the
/// inputs it makes up, taking its own options (`-max_total_time=60`, corpus directories);
/// otherwise `agenda-fuzz-resp FILE|DIR …` runs the same check over saved inputs (the corpus, a crash).
@main
enum Harness {
    static func main() {
        #if FUZZING
        var argc = CommandLine.argc
        var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
        exit(LLVMFuzzerRunDriver(&argc, &argv) { data, count in
            guard let data else { return 0 }
            RESPDecoderProperty.check(Array(UnsafeBufferPointer(start: data, count: count)))
            return 0
        })
        #else
        CorpusFiles.run(harness: "agenda-fuzz-resp") { RESPDecoderProperty.check($0) }
        #endif
    }
}
