import Testing

@testable import HiveBuild

@Suite struct DockerIgnoreTests {
    @Test func patternsExceptionsAndParents() {
        let d = DockerIgnore("""
            # comment
            node_modules
            *.md
            **/*.tmp
            /build/
            docs/*
            !docs/keep.md
            """)
        #expect(d.excludes("node_modules"))
        #expect(d.excludes("node_modules/a/b.js"))       // under an excluded directory
        #expect(d.excludes("README.md"))
        #expect(!d.excludes("src/README.md"))             // * stays within one element
        #expect(d.excludes("a/b/c.tmp") && d.excludes("c.tmp"))
        #expect(d.excludes("build/out.o"))
        #expect(d.excludes("docs/guide.txt"))
        #expect(!d.excludes("docs/keep.md"))              // the last matching pattern wins
        #expect(!d.excludes("src/main.swift"))
    }

    @Test func cleaningAndCharacterClasses() {
        let d = DockerIgnore("./a/../b\nfile[0-9].txt\n?x")
        #expect(d.excludes("b/c"))
        #expect(d.excludes("file7.txt") && !d.excludes("fileA.txt"))
        #expect(d.excludes("ax") && !d.excludes("abx"))
    }
}
