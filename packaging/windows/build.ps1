# Windows installer of Callback Inspector; run from the repository root in PowerShell:
#   powershell -ExecutionPolicy Bypass -File packaging\windows\build.ps1
# Needs: Python 3.11+ (python.org or winget), Inno Setup 6 (`winget install JRSoftware.InnoSetup`).
# Output: dist\pyinstaller\callback-inspector\ and dist\callback-inspector-<version>-windows-x64-setup.exe
# Signing: set $env:SIGNTOOL_CERT_THUMBPRINT to sign both .exe files and the installer with
# signtool (Windows SDK); see packaging/README.md.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..\..")

if (-not (Test-Path build\venv-win)) { python -m venv build\venv-win }
$py = "build\venv-win\Scripts\python.exe"
& $py -m pip install --quiet --upgrade pip
& $py -m pip install --quiet ".[packaging]"
if ($LASTEXITCODE) { throw "pip install failed" }
$version = & $py -c "from importlib.metadata import version; print(version('callback-inspector'))"

& $py packaging\make_icons.py build\icons
if ($LASTEXITCODE) { throw "make_icons failed" }
& $py -m PyInstaller --noconfirm --clean --distpath dist\pyinstaller --workpath build\pyinstaller-win `
  packaging\windows\callback-inspector.spec
if ($LASTEXITCODE) { throw "PyInstaller failed" }

# Smoke test: the console executable prints the version; the emulator starts its ASR worker.
$out = & dist\pyinstaller\callback-inspector\callback-inspector.exe --version
if ($out -ne "callback-inspector $version") { throw "bundle --version printed: $out" }

function Sign($path) {
  if ($env:SIGNTOOL_CERT_THUMBPRINT) {
    signtool sign /sha1 $env:SIGNTOOL_CERT_THUMBPRINT /fd SHA256 /tr http://timestamp.digicert.com /td SHA256 $path
    if ($LASTEXITCODE) { throw "signtool failed on $path" }
  }
}
Sign dist\pyinstaller\callback-inspector\callback-inspector.exe
Sign dist\pyinstaller\callback-inspector\callback-inspector-gui.exe

$iscc = (Get-Command iscc -ErrorAction SilentlyContinue).Source
if (-not $iscc) { $iscc = "${env:ProgramFiles(x86)}\Inno Setup 6\ISCC.exe" }
& $iscc "/DAppVersion=$version" packaging\windows\callback-inspector.iss
if ($LASTEXITCODE) { throw "Inno Setup failed" }
Sign "dist\callback-inspector-$version-windows-x64-setup.exe"
Get-ChildItem dist\*.exe
