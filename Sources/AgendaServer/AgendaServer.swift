// The operators' protocol server. See docs/protocol.md.
