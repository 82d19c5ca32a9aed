//! The server's routes, served and listed by the same calls: the router is
//! built through [`Routes`], which writes down each method and path it is
//! given, so the list cannot drift from what is served. The permission
//! matrix test reads it, and fails for a route that has no row.

use super::ApiContext;
use axum::handler::Handler;
use axum::routing::MethodRouter;
use axum::Router;

/// One route: a method (`ANY` for every method) and its path template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Route {
    pub method: &'static str,
    pub path: &'static str,
}

/// A router and the table of what it routes.
pub struct Routes {
    router: Router<ApiContext>,
    table: Vec<Route>,
}

impl Default for Routes {
    fn default() -> Self {
        Self {
            router: Router::new(),
            table: Vec::new(),
        }
    }
}

macro_rules! method {
    ($name:ident, $method:literal) => {
        pub fn $name<H, T>(self, path: &'static str, handler: H) -> Self
        where
            H: Handler<T, ApiContext>,
            T: 'static,
        {
            self.add($method, path, axum::routing::$name(handler))
        }
    };
}

impl Routes {
    method!(get, "GET");
    method!(post, "POST");
    method!(patch, "PATCH");
    method!(delete, "DELETE");
    method!(any, "ANY");

    /// Routes on a path already routed are merged by axum, one method each.
    fn add(
        mut self,
        method: &'static str,
        path: &'static str,
        handler: MethodRouter<ApiContext>,
    ) -> Self {
        self.router = self.router.route(path, handler);
        self.table.push(Route { method, path });
        self
    }

    pub fn merge(mut self, other: Routes) -> Self {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    pub fn into_parts(self) -> (Router<ApiContext>, Vec<Route>) {
        (self.router, self.table)
    }
}
