import FuzzSupport

@main
enum Harness {
    static func main() { FuzzHarness.main(name: "agenda-fuzz-resp", RESPDecoderProperty.check) }
}
