using MultigresOrleans.KubeSim.Http;

namespace MultigresOrleans.KubeSim.Tests.Unit;

public sealed class ProtobufDecoderTests
{
    [Fact]
    public void Decodes_the_configmap_kubectl_create_sends()
    {
        // Captured from `kubectl create cm c1 --from-literal=a=b -n default` (kubectl 1.32).
        var body = Convert.FromHexString(
            "6b3873000a0f0a0276311209436f6e6669674d617012230a190a0263311200" +
            "1a0764656661756c7422002a00320038004200120" + "60a016112016" + "21a002200");
        var obj = ProtobufDecoder.Decode(body);
        Assert.Equal("v1", obj["apiVersion"]!.GetValue<string>());
        Assert.Equal("ConfigMap", obj["kind"]!.GetValue<string>());
        Assert.Equal("c1", obj["metadata"]!["name"]!.GetValue<string>());
        Assert.Equal("default", obj["metadata"]!["namespace"]!.GetValue<string>());
        Assert.Equal("b", obj["data"]!["a"]!.GetValue<string>());
    }
}
