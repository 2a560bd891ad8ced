import Host
print("openclaw")
