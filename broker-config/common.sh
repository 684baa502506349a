# Shared by setup-broker.sh and add-host.sh (sourced, not run).

# random_password: 40 random letters and digits.
random_password() { head -c 48 /dev/urandom | base64 | tr -d '/+=\n' | head -c 40; echo; }

# append FILE LINE: adds a line, even to a file whose last line has no newline.
append() { if [ -s "$1" ] && [ -n "$(tail -c 1 "$1")" ]; then echo >> "$1"; fi; echo "$2" >> "$1"; }

# add_user INSTANCE USER ROLE...: a random password for USER, stored hashed in the instance's users
# file, with its roles; the password itself in INSTANCE/credentials/USER.password (0600). The hash
# is made first and checked, so a failure leaves no half-made user behind. (artemis mask takes the
# password as an argument: while it runs, ps on this machine shows it; run this on the broker's
# machine, as its owner, and prefer machines where other users cannot see other users' processes.)
add_user() {
  local instance="$1" user="$2" password hash role
  shift 2
  password="$(random_password)"
  hash="$("$instance/bin/artemis" mask --hash "$password" | sed -n 's/^result: //p')"
  if [ -z "$hash" ]; then
    echo "artemis mask --hash gave no hash for $user; nothing was added" >&2
    return 1
  fi
  append "$instance/etc/artemis-users.properties" "$user = ENC($hash)"
  for role in "$@"; do
    if grep -q "^$role *=" "$instance/etc/artemis-roles.properties"; then
      sed -i "s/^$role *= *\(.*\)$/$role = \1,$user/" "$instance/etc/artemis-roles.properties"
    else
      append "$instance/etc/artemis-roles.properties" "$role = $user"
    fi
  done
  mkdir -p "$instance/credentials"
  printf '%s\n' "$password" > "$instance/credentials/$user.password"
}
