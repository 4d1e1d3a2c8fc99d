// Fill the visit form's longitude and latitude from the phone's location (WGS-84).
(function () {
  var button = document.querySelector("[data-geotag]");
  if (!button || !navigator.geolocation) return;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (pos) {
      document.getElementById("id_lon").value = pos.coords.longitude.toFixed(6);
      document.getElementById("id_lat").value = pos.coords.latitude.toFixed(6);
    });
  });
})();
