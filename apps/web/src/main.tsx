import { StrictMode } from "react";
import { createRoot } from "react-dom/client";
import { App } from "./app.tsx";
import { navigate } from "./router.tsx";
import "./styles/base.css";
import "./styles/layout.css";

createRoot(document.getElementById("root")!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// The service worker (web push) asks a tab it does not control to open a notification's page.
if ("serviceWorker" in navigator) {
  navigator.serviceWorker.addEventListener("message", (event: MessageEvent) => {
    const data = event.data as { type?: unknown; path?: unknown } | null;
    if (data?.type !== "codepark:navigate" || typeof data.path !== "string") return;
    if (data.path.startsWith("/") && !data.path.startsWith("//")) navigate(data.path);
  });
  navigator.serviceWorker.startMessages();
}
