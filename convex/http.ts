// Which HTTP routes does the host app serve? Its own, plus cutover's (`POST /v1/workflows/{id}/runs`).
import { httpRouter } from "convex/server";
import { registerCutoverRoutes } from "./cutover/http";

const http = httpRouter();
registerCutoverRoutes(http);
export default http;
