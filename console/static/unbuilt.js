// Embedded when the build skipped the console (PORTCULLIS_BUILD_CONSOLE=OFF).
document.getElementById("app").textContent =
  "This gate was built without the console's script (PORTCULLIS_BUILD_CONSOLE=OFF). The JSON API under /api/v1/ works.";
