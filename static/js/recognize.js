// Progressive enhancement for the recognize form and result: drag & drop, paste, copy buttons.
// Without JavaScript the form posts normally and the boxes are still drawn (CSS percentages).
(function () {
  "use strict";
  const form = document.getElementById("recognize-form");
  const input = form && form.querySelector('input[type="file"]');

  function useFile(file) {
    if (!input || !file) return;
    const transfer = new DataTransfer();
    transfer.items.add(file);
    input.files = transfer.files;
    form.requestSubmit();
  }

  const zone = document.getElementById("dropzone");
  if (zone) {
    ["dragenter", "dragover"].forEach((type) =>
      zone.addEventListener(type, (event) => { event.preventDefault(); zone.classList.add("dragging"); }));
    ["dragleave", "drop"].forEach((type) =>
      zone.addEventListener(type, () => zone.classList.remove("dragging")));
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      useFile(event.dataTransfer.files[0]);
    });
  }
  document.addEventListener("paste", (event) => {
    const item = [...(event.clipboardData || {}).items || []].find((i) => i.type.startsWith("image/"));
    if (item) { event.preventDefault(); useFile(item.getAsFile()); }
  });

  document.querySelectorAll("button.copy").forEach((button) => {
    button.addEventListener("click", async () => {
      const source = button.dataset.copy ? document.querySelector(button.dataset.copy).textContent : button.dataset.copyText;
      try {
        await navigator.clipboard.writeText(source);
        button.textContent = "Copied";
      } catch (err) {
        button.textContent = "Select and copy manually";
      }
      setTimeout(() => { button.textContent = button.dataset.copyText ? "Copy all lines" : "Copy"; }, 1500);
    });
  });

  // Tap a box to show its alternatives (hover shows them as a tooltip already).
  document.querySelectorAll(".overlay .box").forEach((box) => {
    box.addEventListener("click", () => {
      const open = box.classList.toggle("open");
      box.querySelector(".tag").textContent = open ? box.title : box.title.split(" ")[0];
    });
  });
})();
