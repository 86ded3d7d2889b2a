import FuzzSupport

// Built with -DFUZZING (make fuzz), libFuzzer calls this for every input it tries; otherwise
// `agenda-fuzz-resp FILE|DIR …` runs the same check over saved inputs (the corpus, a crash).
#if FUZZING
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ count: Int) -> CInt {
    RESPDecoderProperty.check(Array(UnsafeBufferPointer(start: data, count: count)))
    return 0
}
#else
@main
enum ReplayInputs {
    static func main() {
        CorpusFiles.run(harness: "agenda-fuzz-resp") { RESPDecoderProperty.check($0) }
    }
}
#endif
