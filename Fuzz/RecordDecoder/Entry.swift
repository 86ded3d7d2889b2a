import FuzzSupport

@main
enum Harness {
    static func main() { FuzzHarness.main(name: "agenda-fuzz-record", RecordDecoderProperty.check) }
}
