// (Filled by its own change.)
extension APIServer {
    static var streamRoutes: [APIRoute] { [] }
}
