// (Filled by its own change.)
extension APIServer {
    static var networkRoutes: [APIRoute] { [] }
}
