// Container names: checked as Docker allows them, or picked like Docker's
// (adjective_noun); IDs are random (DockerNames.randomID).
import HivePlatform

public enum ContainerName {
    /// The name without a leading `/`, if Docker allows it.
    public static func validate(_ n: String) throws -> String {
        let name = n.hasPrefix("/") ? String(n.dropFirst()) : n
        guard DockerNames.isValid(name) else {
            throw HiveError(.invalidArgument, "invalid container name \"\(n)\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed")
        }
        return name
    }

    static let adjectives = ["admiring", "brave", "busy", "clever", "eager", "gentle", "happy", "jolly", "keen", "lucid",
                             "nifty", "quirky", "serene", "sharp", "vibrant", "wizardly", "zealous", "bold", "calm", "dreamy",
                             "agile", "amber", "bright", "buzzing", "cheerful", "crisp", "daring", "deft", "diligent", "earnest",
                             "fearless", "festive", "focused", "friendly", "golden", "graceful", "hardy", "humble", "jovial", "kind",
                             "lively", "loyal", "merry", "mighty", "nimble", "noble", "patient", "plucky", "quiet", "radiant"]
    static let nouns = ["bee", "drone", "queen", "comb", "nectar", "pollen", "swarm", "hive", "wax", "honey",
                        "hopper", "lovelace", "turing", "noether", "curie", "darwin", "euler", "gauss", "ritchie", "thompson",
                        "babbage", "bohr", "dijkstra", "einstein", "fermat", "feynman", "galileo", "goldberg", "hamilton", "hawking",
                        "hypatia", "kepler", "knuth", "lamport", "liskov", "mccarthy", "meitner", "newton", "pascal", "pike",
                        "ramanujan", "shannon", "stallman", "tesla", "torvalds", "wozniak", "yonath", "allen", "bartik", "hamming"]

    /// A free name like Docker's: random pairs checked one by one (an index
    /// lookup each), then a random suffix once most pairs are in use.
    public static func generate(taken: (String) throws(HiveError) -> Bool) throws(HiveError) -> String {
        for _ in 0..<100 {
            let n = adjectives.randomElement()! + "_" + nouns.randomElement()!
            if try !taken(n) { return n }
        }
        return "hive_" + String(DockerNames.randomID().prefix(12))
    }
}
