// ImageConfig.fast (the config reader without Foundation's coders) agrees with Codable.
import HiveOCI
import HivePlatform
import Testing

@Suite struct ImageConfigFastTests {
    @Test func imageConfigFastPathMatchesCodable() throws {
        let text = """
            {"architecture":"amd64","os":"linux","created":"2024-01-02T03:04:05Z","author":"me",
             "config":{"User":"nobody","Env":["A=1"],"Cmd":["sh"],"Entrypoint":null,"WorkingDir":"/app",
                       "ExposedPorts":{"80/tcp":{}},"Volumes":{"/data":{}},"Labels":{"k":"v"},"StopSignal":"SIGINT",
                       "Healthcheck":{"Test":["CMD-SHELL","true"],"Interval":5000000000,"Retries":3},
                       "OnBuild":["RUN x"],"Shell":["/bin/sh","-c"],"ArgsEscaped":true},
             "rootfs":{"type":"layers","diff_ids":["sha256:\(String(repeating: "a", count: 64))"]},
             "history":[{"created":"2024-01-02T03:04:05Z","created_by":"RUN x","empty_layer":true,"comment":"c"}]}
            """
        let bytes = Array(text.utf8)
        let fast = try #require(ImageConfig.fast(bytes))
        #expect(fast == (try JSONCoding.decode(ImageConfig.self, from: bytes)))
        #expect(ImageConfig.fast(Array(#"{"os":"linux"}"#.utf8)) == nil)  // no architecture: the Codable path reports it
    }
}
